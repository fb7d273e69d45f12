import type { MessageBody } from "@/lib/archive/view-types";
import { num, str, type Content } from "@/lib/archive/stored-event";
import { stripReplyFallback } from "@/lib/matrix/reply-fallback";
import { mediaPath } from "@/lib/render/media-path";
import { rewriteMatrixTo } from "@/lib/render/matrix-to";
import { sanitizeMessageHtml } from "@/lib/render/sanitize-message-html";

const MAX_BODY_CHARS = 20_000;

function info(content: Content): Record<string, unknown> {
  const value = content.info;
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The body of an m.room.message content (or an edit's m.new_content) as a view. */
export function messageBody(content: Content, isReply: boolean): MessageBody | null {
  const msgtype = str(content.msgtype);
  const rawBody = str(content.body);
  if (msgtype === undefined || rawBody === undefined) return null;
  const body = rawBody.slice(0, MAX_BODY_CHARS);
  switch (msgtype) {
    case "m.text":
    case "m.notice":
    case "m.emote": {
      const formatted = str(content.formatted_body);
      const html =
        str(content.format) === "org.matrix.custom.html" && formatted !== undefined
          ? sanitizeMessageHtml(formatted.slice(0, MAX_BODY_CHARS * 2), { rewriteMatrixTo })
          : null;
      return { kind: "text", msgtype, text: isReply ? stripReplyFallback(body) : body, html: html === "" ? null : html };
    }
    case "m.image": {
      const i = info(content);
      const thumb = str(i.thumbnail_url);
      const width = num(i.w) ?? null;
      const height = num(i.h) ?? null;
      const src = mediaPath(str(content.url) ?? "") ?? null;
      // Large images get a server-side thumbnail; small ones (or unknown sizes) come as they are.
      const large = width !== null && height !== null && (width > 800 || height > 600);
      const thumbnailSrc =
        (thumb ? mediaPath(thumb) : undefined) ??
        (src && large ? mediaPath(str(content.url) ?? "", { thumbnail: { width: 800, height: 600 } }) : undefined) ??
        null;
      return { kind: "image", alt: body, src, thumbnailSrc, width, height };
    }
    case "m.file":
    case "m.video":
    case "m.audio": {
      const i = info(content);
      return {
        kind: "file",
        msgtype,
        name: str(content.filename) ?? body,
        href: mediaPath(str(content.url) ?? "") ?? null,
        size: num(i.size) ?? null,
        mimetype: str(i.mimetype) ?? null,
      };
    }
    case "m.location": {
      const geo = str(content.geo_uri);
      return { kind: "location", text: body, geoUri: geo && /^geo:[-0-9.,;=a-z]+$/i.test(geo) ? geo : null };
    }
    default:
      return { kind: "unsupported", text: body };
  }
}
