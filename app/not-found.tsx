import type { Metadata } from "next";
import Link from "next/link";
import { RoomLinks } from "@/components/layout/room-links";

// The title and robots rules of every 404 (a page's own metadata is not used for its 404): in the
// document head, so they hold without JavaScript too.
export const metadata: Metadata = { title: "Not in the archive", robots: { index: false, follow: false } };

export default function NotFound() {
  return (
    <section aria-labelledby="not-found-title" className="py-12 text-center">
      <h1 id="not-found-title" className="mb-2 text-2xl font-semibold">
        Not in the archive
      </h1>
      <p className="mb-6 text-zinc-600 dark:text-zinc-400">
        There is no such page: the room is unknown, its history is not readable by anyone, or the date does not exist (or has not come yet).
      </p>
      <RoomLinks />
      <Link href="/" className="text-sky-700 underline dark:text-sky-400">
        Browse the archived rooms
      </Link>
    </section>
  );
}
