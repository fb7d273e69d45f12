import type { MessageBody } from "@/lib/archive/view-types";
import { linkify } from "@/lib/render/linkify";

function LinkedText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((segment, i) =>
        segment.kind === "text" ? (
          segment.text
        ) : (
          <a key={i} href={segment.href} rel="noopener nofollow ugc">
            {segment.text}
          </a>
        ),
      )}
    </>
  );
}

// The sanitized HTML (lib/render) is the only HTML injected; everything else goes through JSX.
// Its elements are styled by the .fmt rules of app/globals.css.

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function MessageBodyView({ body, senderName }: { body: MessageBody; senderName: string }) {
  switch (body.kind) {
    case "text": {
      const emote = body.msgtype === "m.emote" ? <span className="font-medium">* {senderName} </span> : null;
      const notice = body.msgtype === "m.notice";
      if (body.html !== null) {
        const className = notice ? "fmt ntc" : "fmt";
        if (!emote) return <div className={className} dangerouslySetInnerHTML={{ __html: body.html }} />;
        return (
          <div className={className}>
            {emote}
            <div className="inline" dangerouslySetInnerHTML={{ __html: body.html }} />
          </div>
        );
      }
      return (
        <p className={notice ? "ntc" : undefined}>
          {emote}
          <LinkedText text={body.text} />
        </p>
      );
    }
    case "image":
      if (!body.src) return <p className="off">Image: {body.alt} (not available)</p>;
      return (
        <a href={body.src} className="inline-block">
          {/* eslint-disable-next-line @next/next/no-img-element -- media comes from our own proxy, sized by the sender's info */}
          <img
            src={body.thumbnailSrc ?? body.src}
            alt={body.alt || "Image"}
            width={body.width ?? undefined}
            height={body.height ?? undefined}
            loading="lazy"
            decoding="async"
          />
        </a>
      );
    case "file": {
      const kind = body.msgtype === "m.video" ? "Video" : body.msgtype === "m.audio" ? "Audio" : "File";
      const details = [body.mimetype, body.size !== null ? formatSize(body.size) : null].filter(Boolean).join(", ");
      return (
        <p>
          {kind}:{" "}
          {body.href ? (
            <a href={body.href} rel="nofollow">
              {body.name}
            </a>
          ) : (
            <span>{body.name}</span>
          )}
          {details && <span className="dim text-sm"> ({details})</span>}
        </p>
      );
    }
    case "location":
      return (
        <p>
          📍 {body.text}
          {body.geoUri && <span className="dim ml-1 text-sm">{body.geoUri}</span>}
        </p>
      );
    case "unsupported":
      return <p className="off">{body.text}</p>;
  }
}
