"use client";

import { usePathname } from "next/navigation";

// On a 404 under a room's URL (a day after today, a date that does not exist, a cursor that names
// nothing): a way on to the room's latest day. A not-found page gets no route parameters, but the
// path is known while it renders, also without JavaScript (this renders on the server too). A
// day before the room's history begins is a 404 too: its first day is the nearest one.
const ROOM_PATH = /^\/(r|roomid)\/([^/]+)(?:\/|$)/;

export function RoomLinks() {
  const match = ROOM_PATH.exec(usePathname() ?? "");
  if (!match) return null;
  const base = `/${match[1]}/${match[2]}`;
  let name = match[2]!;
  try {
    name = decodeURIComponent(name);
  } catch {
    // Shown as written.
  }
  const room = match[1] === "r" ? `#${name.replace(/^#/, "")}` : `!${name.replace(/^!/, "")}`;
  return (
    <p className="mb-6">
      If the archive holds {room}:{" "}
      <a href={base} rel="nofollow" className="lnk">
        its latest day
      </a>{" "}
      ·{" "}
      <a href={`${base}/first`} rel="nofollow" className="lnk">
        its first day
      </a>
    </p>
  );
}
