import { z } from "zod";

// "Load missing messages" without JavaScript: the gap's button is a form that POSTs here, and
// the reader is sent back to the day page (the fill's write has dropped the cached page, so it
// shows what arrived) or told in a small page of its own why nothing arrived.

/** A day or thread page of this archive, and nothing else: the form's `back` must not make an open redirect. */
const DAY_PAGE_PATH = /^\/(?:r|roomid)\/[^/?#\s]{1,600}\/(?:date\/\d{4}\/\d{2}\/\d{2}(?:T\d{2}:\d{2})?|thread\/[^/?#\s]{1,600})$/;

export const gapFillFormSchema = z.object({
  roomId: z.string().startsWith("!").max(255),
  gapId: z.string().regex(/^\d{1,19}$/),
  back: z.string().max(1400).regex(DAY_PAGE_PATH),
});

export interface GapFillOutcome {
  stored: number;
  remaining: boolean;
  error: string | null;
  pending: boolean;
}

export type GapFillFormAnswer = { kind: "back"; location: string } | { kind: "page"; status: number; html: string };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(status: number, title: string, text: string, back: string): GapFillFormAnswer {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex, nofollow"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p><p><a href="${escapeHtml(back)}">Back to the day</a></p></body></html>`;
  return { kind: "page", status, html };
}

export function gapFillFormAnswer(outcome: GapFillOutcome | null, back: string): GapFillFormAnswer {
  if (outcome === null) return page(404, "No such room", "The archive serves no such room.", back);
  if (outcome.stored > 0 || !outcome.remaining) return { kind: "back", location: back };
  if (outcome.pending)
    return page(202, "Still loading", "The archive is still fetching the missing messages from the room's servers. Go back in a moment to see them.", back);
  if (outcome.error) return page(502, "Could not load them", "None of the room's servers could be reached right now, so the messages are still missing.", back);
  return page(200, "Nothing to load right now", "The room's servers had none of the missing messages to give right now.", back);
}
