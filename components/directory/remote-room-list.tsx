import type { RemoteRoomView } from "@/lib/archive/list-directory";

export function RemoteRoomList({ rooms }: { rooms: RemoteRoomView[] }) {
  return (
    <ul className="grid gap-3 sm:grid-cols-2" aria-label="Public rooms not archived yet">
      {rooms.map((room) => (
        <li key={room.roomId} className="rounded-lg border border-dashed border-zinc-300 p-4 dark:border-zinc-700">
          <p className="font-medium">{room.name ?? room.alias ?? room.roomId}</p>
          {room.alias && <p className="text-sm text-zinc-600 dark:text-zinc-400">{room.alias}</p>}
          {room.topic && <p className="mt-1 line-clamp-2 text-sm">{room.topic}</p>}
          <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
            {room.members} {room.members === 1 ? "member" : "members"} · listed by {room.server} ·{" "}
            <a href={room.joinHref} className="text-sky-700 underline dark:text-sky-400" rel="noopener nofollow">
              open in a Matrix client
            </a>
          </p>
        </li>
      ))}
    </ul>
  );
}
