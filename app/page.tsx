import { connection } from "next/server";
import { RoomList } from "@/components/directory/room-list";
import { listArchivedRooms } from "@/lib/archive/list-archived-rooms";
import { getDb } from "@/lib/db";

export default async function HomePage() {
  await connection(); // the directory changes as rooms are joined: render per request
  const rooms = await listArchivedRooms(getDb());
  return (
    <>
      <h1 className="mb-2 text-2xl font-semibold">Public Matrix rooms</h1>
      <p className="mb-6 text-zinc-600 dark:text-zinc-400">
        Read the history of world-readable Matrix rooms, day by day.
      </p>
      <RoomList rooms={rooms} />
    </>
  );
}
