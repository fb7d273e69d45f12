import type { Metadata } from "next";
import { DayRoute } from "@/components/day/day-route";
import { dayMetadata } from "@/lib/archive/day-metadata";
import { loadDayRoute } from "@/lib/archive/load-day-route";

interface Props {
  params: Promise<{ roomId: string; yyyy: string; mm: string; dd: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

async function load(props: Props) {
  const [{ roomId: room, ...day }, searchParams] = await Promise.all([props.params, props.searchParams]);
  return loadDayRoute("id", { room, ...day }, searchParams);
}

export async function generateMetadata(props: Props): Promise<Metadata> {
  return dayMetadata(await load(props));
}

export default async function DayPageRoute(props: Props) {
  return <DayRoute result={await load(props)} />;
}
