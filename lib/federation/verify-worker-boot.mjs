// The file a verification pool worker loads (verify-pool.ts). Worker threads do not inherit
// the loader the app runs under (tsx, or Next.js's bundle), so the worker registers tsx itself
// and loads the TypeScript task from the source tree.
import { register } from "tsx/esm/api";

register();
const task = await import("./verify-worker.ts");

export default task.default;
