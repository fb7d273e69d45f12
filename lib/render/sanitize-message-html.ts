import sanitizeHtml from "sanitize-html";
import { mediaPath } from "@/lib/render/media-path";

// formatted_body is written by anyone in any room: it is reduced to the Matrix HTML subset
// (client-server API, "m.room.message msgtypes": allowed tags and attributes) before it reaches
// a page. Anything outside the subset is dropped; text inside dropped harmless tags is kept.

const ALLOWED_TAGS = [
  "font",
  "del",
  "s",
  "strike",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "blockquote",
  "p",
  "a",
  "ul",
  "ol",
  "sup",
  "sub",
  "li",
  "b",
  "i",
  "u",
  "strong",
  "em",
  "code",
  "hr",
  "br",
  "div",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
  "caption",
  "pre",
  "span",
  "img",
  "details",
  "summary",
];

// Their text is not message text: a script body or an SVG's markup must not leak as words.
const DROP_WITH_CONTENT = [
  "mx-reply",
  "script",
  "style",
  "svg",
  "math",
  "iframe",
  "object",
  "embed",
  "noscript",
  "template",
  "textarea",
  "select",
  "option",
  "title",
  "head",
  "frameset",
  "frame",
  "noembed",
  "xmp",
  "plaintext",
];

const COLOR = /^#[0-9A-Fa-f]{6}$/;
const LANGUAGE_CLASS = /^language-[A-Za-z0-9_+#.-]{1,40}$/;
const REL = "noopener nofollow ugc";

export interface SanitizeOptions {
  /** Rewrites a matrix.to permalink to a page of this archive when it knows one. */
  rewriteMatrixTo?: (href: string) => string | undefined;
}

function colorStyle(attribs: sanitizeHtml.Attributes, isFont: boolean): string | undefined {
  const fg = attribs["data-mx-color"] ?? (isFont ? attribs.color : undefined);
  const bg = attribs["data-mx-bg-color"];
  const parts: string[] = [];
  if (fg && COLOR.test(fg)) parts.push(`color:${fg}`);
  if (bg && COLOR.test(bg)) parts.push(`background-color:${bg}`);
  return parts.length > 0 ? parts.join(";") : undefined;
}

function withColors(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const out: sanitizeHtml.Attributes = {};
  const style = colorStyle(attribs, tagName === "font");
  if (style) out.style = style;
  if (attribs["data-mx-spoiler"] !== undefined) out["data-mx-spoiler"] = attribs["data-mx-spoiler"].slice(0, 200);
  if (attribs["data-mx-maths"] !== undefined) out["data-mx-maths"] = attribs["data-mx-maths"].slice(0, 2000);
  // <font> is deprecated HTML; a span carries the same colours.
  return { tagName: "span", attribs: out };
}

function isSafeHref(href: string): boolean {
  try {
    const url = new URL(href);
    return url.protocol === "https:" || url.protocol === "http:" || url.protocol === "mailto:";
  } catch {
    return false;
  }
}

/** Sanitizes a `formatted_body` (format `org.matrix.custom.html`) to safe, inert HTML. */
export function sanitizeMessageHtml(dirty: string, options: SanitizeOptions = {}): string {
  return sanitizeHtml(dirty, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      span: ["style", "data-mx-spoiler", "data-mx-maths"],
      div: ["data-mx-maths"],
      a: ["href", "rel", "title"],
      img: ["src", "alt", "title", "width", "height", "loading"],
      ol: ["start"],
      code: ["class"],
    },
    allowedClasses: { code: [LANGUAGE_CLASS] },
    allowedStyles: {
      span: { color: [COLOR], "background-color": [COLOR] },
    },
    allowedSchemes: ["http", "https", "mailto"],
    allowedSchemesByTag: { img: [] },
    allowedSchemesAppliedToAttributes: ["href", "src"],
    allowProtocolRelative: false,
    disallowedTagsMode: "discard",
    nonTextTags: DROP_WITH_CONTENT,
    nestingLimit: 100,
    enforceHtmlBoundary: false,
    transformTags: {
      font: withColors,
      span: withColors,
      div: (_tag, attribs): sanitizeHtml.Tag => {
        const out: sanitizeHtml.Attributes = {};
        if (attribs["data-mx-maths"] !== undefined) out["data-mx-maths"] = attribs["data-mx-maths"].slice(0, 2000);
        return { tagName: "div", attribs: out };
      },
      a: (_tag, attribs) => {
        const raw = (attribs.href ?? "").trim();
        const rewritten = raw && options.rewriteMatrixTo ? options.rewriteMatrixTo(raw) : undefined;
        const href = rewritten ?? (isSafeHref(raw) ? raw : undefined);
        const out: sanitizeHtml.Attributes = { rel: REL };
        if (href) out.href = href;
        if (attribs.title) out.title = attribs.title;
        return { tagName: "a", attribs: out };
      },
      img: (_tag, attribs) => {
        const src = mediaPath(attribs.src ?? "");
        if (!src) {
          // Not an mxc:// image (spec: clients must not fetch other URLs): keep its words only.
          return { tagName: "span", attribs: {}, text: attribs.alt ?? attribs.title ?? "" };
        }
        const out: sanitizeHtml.Attributes = { src, alt: attribs.alt ?? attribs.title ?? "image", loading: "lazy" };
        for (const dim of ["width", "height"] as const) {
          const v = attribs[dim];
          if (v && /^\d{1,4}$/.test(v)) out[dim] = v;
        }
        if (attribs.title) out.title = attribs.title;
        return { tagName: "img", attribs: out };
      },
      ol: (_tag, attribs): sanitizeHtml.Tag => {
        const out: sanitizeHtml.Attributes = {};
        if (attribs.start && /^-?\d{1,9}$/.test(attribs.start)) out.start = attribs.start;
        return { tagName: "ol", attribs: out };
      },
    },
    // mx-reply is the reply fallback: the page shows the quoted message itself.
    exclusiveFilter: (frame) => frame.tag === "mx-reply",
  });
}
