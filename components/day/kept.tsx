import { StaticBlock } from "@/components/day/static-block";
import { putStaticBlock } from "@/components/day/static-blocks";
import type { ReactNode } from "react";

/**
 * Server-rendered content without islands, kept out of the inline RSC payload: it is in the HTML
 * once and never re-rendered in the browser (components/day/static-blocks.ts). `className`
 * "contents" keeps the wrapper out of the layout.
 */
export function Kept({ children, tag = "div", className }: { children: ReactNode; tag?: "ol" | "div"; className?: string }) {
  return <StaticBlock tag={tag} className={className} k={putStaticBlock(children)} />;
}
