import Link from "next/link";

export default function Forbidden() {
  return (
    <section aria-labelledby="forbidden-title" className="py-12 text-center">
      <h1 id="forbidden-title" className="mb-2 text-2xl font-semibold">
        This room is not public
      </h1>
      <p className="mb-6 text-zinc-600 dark:text-zinc-400">
        Its history is not set to be readable by anyone (<code>world_readable</code>), so the archive does not show it.
      </p>
      <Link href="/" className="text-sky-700 underline dark:text-sky-400">
        Browse the archived rooms
      </Link>
    </section>
  );
}
