import type { Metadata } from "next";
import { connection } from "next/server";
import { RemoteRoomList } from "@/components/directory/remote-room-list";
import { RoomList } from "@/components/directory/room-list";
import { SearchForm } from "@/components/search/search-form";
import { directoryFor } from "@/lib/archive/app-api";

export const metadata: Metadata = { alternates: { canonical: "/" } };

export default async function HomePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection(); // the directory changes as rooms are joined: render per request
  const q = (await searchParams).q;
  const directory = await directoryFor(typeof q === "string" ? q : "");
  return (
    <>
      <h1 className="mb-2 text-2xl font-semibold">Public Matrix rooms</h1>
      <p className="mb-4 text-zinc-600 dark:text-zinc-400">Read the history of world-readable Matrix rooms, day by day.</p>
      <search className="mb-6 block">
        <form action="/" method="get" className="flex gap-2">
          <label htmlFor="room-search" className="sr-only">
            Search rooms
          </label>
          <input
            id="room-search"
            type="search"
            name="q"
            defaultValue={directory.query}
            placeholder="Search rooms by name, address or topic"
            className="w-full max-w-md rounded border border-zinc-300 bg-white px-3 py-1.5 dark:border-zinc-700 dark:bg-zinc-900"
          />
          <button type="submit" className="rounded border border-zinc-300 px-3 py-1.5 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800">
            Search
          </button>
        </form>
      </search>
      {directory.query && directory.archived.length === 0 ? (
        <p className="text-zinc-600 dark:text-zinc-400">No archived room matches “{directory.query}”.</p>
      ) : (
        <RoomList rooms={directory.archived} />
      )}
      <section aria-labelledby="message-search-title" className="mt-8">
        <h2 id="message-search-title" className="text-lg font-semibold">
          Search messages
        </h2>
        <SearchForm action="/search" query="" label="Search messages in all archived rooms" />
      </section>
      {directory.remote.length > 0 && (
        <section aria-labelledby="remote-rooms" className="mt-10">
          <h2 id="remote-rooms" className="mb-3 text-lg font-semibold">
            Also public on the network
          </h2>
          <RemoteRoomList rooms={directory.remote} />
        </section>
      )}
      {directory.unreachable.length > 0 && <p className="mt-4 text-sm text-zinc-500">Not answering right now: {directory.unreachable.join(", ")}.</p>}
    </>
  );
}
