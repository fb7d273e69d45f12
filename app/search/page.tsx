import type { Metadata } from "next";
import { cache } from "react";
import { SearchResults } from "@/components/search/search-results";
import { searchFor } from "@/lib/archive/app-api";
import { searchMetadata } from "@/lib/archive/search-metadata";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const text = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
// One search per request, shared by the page and its metadata.
const load = cache((q: string | undefined, page: string | undefined) => searchFor(null, { q, page }));
const loadProps = async (props: Props) => {
  const params = await props.searchParams;
  return load(text(params.q), text(params.page));
};

export async function generateMetadata(props: Props): Promise<Metadata> {
  return searchMetadata(await loadProps(props));
}

/** `/search?q=…`: search across every room the archive serves. */
export default async function SearchPage(props: Props) {
  const result = await loadProps(props);
  // A search of all rooms never names a room that could be missing or forbidden.
  if (result.status !== "ok") throw new Error(`cross-room search answered ${result.status}`);
  return <SearchResults view={result.view} />;
}
