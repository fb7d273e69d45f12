import { NextResponse } from "next/server";
import { MEDIA_SAFETY_HEADERS } from "@/lib/archive/media/media-store";

// What the media proxy answers for decoration it cannot have (a sender's face whose media is
// gone, refused or unreachable) when the page asked `missing=blank`: a transparent 1×1 GIF. The
// face's initial under it stays visible, as it would with no avatar at all, and the reader's
// browser logs no failed request. Message media never asks for this: its failure must show.
const BLANK_GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

/** The transparent image, with the cache lifetime the error it stands for would have had, and why. */
export function blankImage(reason: string, cacheControl: string, head: boolean): NextResponse {
  return new NextResponse(head ? null : new Uint8Array(BLANK_GIF), {
    headers: {
      "content-type": "image/gif",
      "content-length": String(BLANK_GIF.byteLength),
      "cache-control": cacheControl,
      "x-archive-media": `blank; ${reason}`,
      ...MEDIA_SAFETY_HEADERS,
    },
  });
}
