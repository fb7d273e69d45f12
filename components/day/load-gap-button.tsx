"use client";

import { QueryClient, QueryClientProvider, useMutation } from "@tanstack/react-query";
import { useState } from "react";

interface FillResponse {
  filled: number;
  remaining: boolean;
  /** The fill (a job on the server) is still running: asking again waits for the same one. */
  pending?: boolean;
}

// Each request waits up to 20 s for the fill; a slow history gets a few more rounds, no more.
const MAX_ROUNDS = 6;

async function fillGap(roomId: string, gapId: string): Promise<FillResponse> {
  for (let round = 0; ; round++) {
    const res = await fetch("/api/gaps/fill", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ roomId, gapId }),
    });
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const message = typeof body === "object" && body !== null && "error" in body && typeof body.error === "string" ? body.error : `HTTP ${res.status}`;
      throw new Error(message);
    }
    const answer = body as FillResponse;
    if (!answer.pending || round + 1 >= MAX_ROUNDS) return answer;
  }
}

// TanStack Query is loaded only with this island, so only pages that show a gap pay for it:
// the island brings its own client (one per tab, shared by the page's gap buttons) instead of
// a provider around every page.
let client: QueryClient | undefined;
function queryClient(): QueryClient {
  client ??= new QueryClient({ defaultOptions: { queries: { staleTime: 30_000, retry: 1 } } });
  return client;
}

/**
 * The one interactive part of a gap (props: the room, the gap and the day page it is on). It is
 * a form that works without JavaScript (POST, then back to the day); with JavaScript it fills
 * in place and reloads the page.
 */
export function LoadGapButton(props: { roomId: string; gapId: string; back: string }) {
  return (
    <QueryClientProvider client={queryClient()}>
      <FillButton {...props} />
    </QueryClientProvider>
  );
}

// Asks the archive to fetch the missing history over federation, then reloads the page so the
// messages appear in their places: a day page's messages are static blocks, which a refresh of
// the payload would not change (components/day/static-block.tsx).
function FillButton({ roomId, gapId, back }: { roomId: string; gapId: string; back: string }) {
  const [reloading, setReloading] = useState(false);
  const mutation = useMutation({
    mutationFn: () => fillGap(roomId, gapId),
    onSuccess: (answer) => {
      if (answer.filled === 0 && answer.remaining) return;
      setReloading(true);
      window.location.reload();
    },
  });
  const busy = mutation.isPending || reloading;
  return (
    <form
      action="/api/gaps/fill"
      method="post"
      onSubmit={(e) => {
        e.preventDefault();
        mutation.mutate();
      }}
      className="inline-flex flex-wrap items-center gap-2"
    >
      <input type="hidden" name="roomId" value={roomId} />
      <input type="hidden" name="gapId" value={gapId} />
      <input type="hidden" name="back" value={back} />
      <button type="submit" disabled={busy} className="btn">
        {busy ? "Loading…" : "Load missing messages"}
      </button>
      <span role="status" aria-live="polite" className="text-sm">
        {mutation.isError && <span className="text-red-700 dark:text-red-400">Could not load them: {mutation.error.message}</span>}
        {mutation.isSuccess && !busy && mutation.data.filled === 0 && <span>No messages could be fetched right now.</span>}
      </span>
    </form>
  );
}
