"use client";

import { takeStaticBlock } from "@/components/day/static-blocks";

/**
 * An element of server-rendered content that the browser keeps as the server sent it
 * (components/day/static-blocks.ts): on the server it renders the elements kept under `k`; in the
 * browser it claims the element's content as opaque HTML, which React's hydration leaves alone
 * and never re-renders. A new payload for the page (a refresh) therefore does not change the
 * block: pages with blocks reload instead.
 */
export function StaticBlock({ k, tag, className }: { k: string; tag: "ol" | "div"; className?: string }) {
  const Tag = tag;
  if (typeof window === "undefined") {
    const node = takeStaticBlock(k);
    // An empty block would be cached as the day's messages: fail the render instead.
    if (node === undefined) throw new Error(`static block ${k} is not held by this process`);
    return <Tag className={className}>{node}</Tag>;
  }
  return <Tag className={className} dangerouslySetInnerHTML={{ __html: "" }} suppressHydrationWarning />;
}
