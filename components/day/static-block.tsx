"use client";

import { useEffect, useState, useSyncExternalStore } from "react";
import { takeStaticBlock } from "@/components/day/static-blocks";

const noSubscription = () => () => {};

/**
 * An element of server-rendered content that the browser keeps as the server sent it
 * (components/day/static-blocks.ts): on the server it renders the elements kept under `k`; in the
 * browser it claims the element's content as opaque HTML, which React's hydration leaves alone
 * and never re-renders. A new payload for the page (a refresh) therefore does not change the
 * block: pages with blocks reload instead, and a client navigation to such a page loads it
 * from the server.
 */
export function StaticBlock({ k, tag, className }: { k: string; tag: "ol" | "div"; className?: string }) {
  const Tag = tag;
  if (typeof window === "undefined") {
    const node = takeStaticBlock(k);
    // An empty block would be cached as the day's messages: fail the render instead.
    if (node === undefined) throw new Error(`static block ${k} is not held by this process`);
    return <Tag className={className}>{node}</Tag>;
  }
  return <ClientBlock tag={tag} className={className} />;
}

function ClientBlock({ tag, className }: { tag: "ol" | "div"; className?: string }) {
  const Tag = tag;
  // True while React hydrates the server's HTML (the server snapshot), false when the block
  // mounts in the browser: a client navigation (next/link, router.push), whose payload names a
  // key but carries no HTML.
  const hydrating = useSyncExternalStore(
    noSubscription,
    () => false,
    () => true,
  );
  const [navigatedTo] = useState(!hydrating);
  useEffect(() => {
    // Nothing to show: the server renders the page with its blocks, so ask it for the page.
    if (navigatedTo) window.location.reload();
  }, [navigatedTo]);
  return <Tag className={className} dangerouslySetInnerHTML={{ __html: "" }} suppressHydrationWarning />;
}
