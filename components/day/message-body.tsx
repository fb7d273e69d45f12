import type { MessageBody } from "@/lib/archive/view-types";
import { linkify } from "@/lib/render/linkify";

function LinkedText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((segment, i) =>
        segment.kind === "text" ? (
          segment.text
        ) : (
          <a key={i} href={segment.href} rel="noopener nofollow ugc" className="text-sky-700 underline dark:text-sky-400">
            {segment.text}
          </a>
        ),
      )}
    </>
  );
}

// The sanitized HTML (lib/render) is the only HTML injected; everything else goes through JSX.
const FORMATTED =
  "break-words [&_a]:text-sky-700 [&_a]:underline dark:[&_a]:text-sky-400 [&_blockquote]:my-1 [&_blockquote]:border-l-4 [&_blockquote]:border-zinc-300 [&_blockquote]:pl-2 dark:[&_blockquote]:border-zinc-700 " +
  "[&_code]:rounded [&_code]:bg-zinc-100 [&_code]:px-1 dark:[&_code]:bg-zinc-800 [&_pre]:my-1 [&_pre]:overflow-x-auto [&_pre]:rounded [&_pre]:bg-zinc-100 [&_pre]:p-2 dark:[&_pre]:bg-zinc-800 " +
  "[&_ul]:list-disc [&_ul]:pl-6 [&_ol]:list-decimal [&_ol]:pl-6 [&_h1]:text-xl [&_h1]:font-bold [&_h2]:text-lg [&_h2]:font-bold [&_h3]:font-bold [&_img]:inline [&_img]:max-h-64 " +
  "[&_table]:border-collapse [&_td]:border [&_td]:px-1 [&_th]:border [&_th]:px-1 [&_[data-mx-spoiler]]:bg-zinc-700 [&_[data-mx-spoiler]]:text-transparent [&_[data-mx-spoiler]:hover]:bg-transparent [&_[data-mx-spoiler]:hover]:text-inherit";

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function MessageBodyView({ body, senderName }: { body: MessageBody; senderName: string }) {
  switch (body.kind) {
    case "text": {
      const emote = body.msgtype === "m.emote" ? <span className="font-medium">* {senderName} </span> : null;
      const tone = body.msgtype === "m.notice" ? "text-zinc-600 dark:text-zinc-400" : "";
      if (body.html !== null) {
        return (
          <div className={`${tone} ${FORMATTED}`}>
            {emote}
            <div className="inline" dangerouslySetInnerHTML={{ __html: body.html }} />
          </div>
        );
      }
      return (
        <p className={`whitespace-pre-wrap break-words ${tone}`}>
          {emote}
          <LinkedText text={body.text} />
        </p>
      );
    }
    case "image":
      if (!body.src) return <p className="italic text-zinc-500">Image: {body.alt} (not available)</p>;
      return (
        <a href={body.src} className="inline-block">
          {/* eslint-disable-next-line @next/next/no-img-element -- media comes from our own proxy, sized by the sender's info */}
          <img
            src={body.thumbnailSrc ?? body.src}
            alt={body.alt || "Image"}
            width={body.width ?? undefined}
            height={body.height ?? undefined}
            loading="lazy"
            className="mt-1 h-auto max-h-80 max-w-full rounded border border-zinc-200 object-contain dark:border-zinc-800"
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
            <a href={body.href} className="text-sky-700 underline dark:text-sky-400" rel="nofollow">
              {body.name}
            </a>
          ) : (
            <span>{body.name}</span>
          )}
          {details && <span className="text-sm text-zinc-500"> ({details})</span>}
        </p>
      );
    }
    case "location":
      return (
        <p>
          📍 {body.text}
          {body.geoUri && <span className="ml-1 text-sm text-zinc-500">{body.geoUri}</span>}
        </p>
      );
    case "unsupported":
      return <p className="italic text-zinc-500">{body.text}</p>;
  }
}
