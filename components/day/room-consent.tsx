import type { ConsentView, RoomHeaderView } from "@/lib/archive/view-types";

function day(iso: string): string {
  return iso.slice(0, 10);
}

export function RoomConsent({ consent, room }: { consent: ConsentView; room: RoomHeaderView }) {
  return (
    <aside aria-label="Why this room is public" className="dim mt-8 rounded-md border border-zinc-200 p-4 text-sm dark:border-zinc-800">
      <p>
        This room is shown because its history is readable by anyone (<code>world_readable</code>)
        {consent.worldReadableSince ? (
          <>
            , set
            {consent.worldReadableBy ? (
              <>
                {" "}
                by <span className="font-medium">{consent.worldReadableBy}</span>
              </>
            ) : null}{" "}
            on <time dateTime={consent.worldReadableSince}>{day(consent.worldReadableSince)}</time>
          </>
        ) : null}
        . If that setting changes, the archive stops showing the room.
      </p>
      <p className="mt-1">
        {consent.indexed
          ? "Search engines may index this room's pages."
          : "This room is not publicly joinable, so its pages ask search engines not to index them."}
      </p>
      <p className="mt-1">
        Room admins can take the room out of the archive: make its history not world-readable, or kick or ban <code>{consent.archiveUserId}</code>. Its history
        is then deleted here at once, and the archive does not come back on its own.
      </p>
      <p className="mt-1">
        This is a read-only snapshot.{" "}
        <a href={consent.joinHref} className="lnk" rel="noopener">
          Join {room.alias ?? room.name} with a Matrix client
        </a>{" "}
        to take part.
      </p>
    </aside>
  );
}
