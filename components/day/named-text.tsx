import type { TextPart } from "@/lib/archive/named-text";

/** A stored sentence with its users shown by display name, the Matrix ID as the tooltip. */
export function NamedText({ parts }: { parts: readonly TextPart[] }) {
  return parts.map((part, i) =>
    part.userId ? (
      <span key={i} title={part.userId}>
        {part.text}
      </span>
    ) : (
      part.text
    ),
  );
}
