import Link from "next/link";
import type { ArchivedRoomView } from "@/lib/archive/list-archived-rooms";

export function RoomList({ rooms }: { rooms: ArchivedRoomView[] }) {
  if (rooms.length === 0) {
    return <p className="text-zinc-600 dark:text-zinc-400">No rooms are archived yet.</p>;
  }
  return (
    <ul className="grid gap-3 sm:grid-cols-2" aria-label="Archived rooms">
      {rooms.map((room) => (
        <li key={room.roomId} className="rounded-lg border border-zinc-200 p-4 dark:border-zinc-800">
          <Link href={room.href} className="font-medium underline-offset-2 hover:underline">
            {room.name ?? room.alias ?? room.roomId}
          </Link>
          {room.alias && <p className="text-sm text-zinc-600 dark:text-zinc-400">{room.alias}</p>}
          {room.topic && <p className="mt-1 line-clamp-2 text-sm">{room.topic}</p>}
        </li>
      ))}
    </ul>
  );
}
