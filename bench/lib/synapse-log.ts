import { readFileSync } from "node:fs";

// Synapse's access log (logger synapse.access.http.<port>, INFO, on by default) records every
// request it answered with its own processing time:
//   … {requester} Processed request: 0.042sec/0.000sec (0.031sec, 0.004sec) (…) 123456B 200 "GET /uri HTTP/1.1" "agent" [0 dbevts]
// The benchmarks read it to know which federation requests the archive made, and how long
// Synapse itself says it spent on each.

export interface SynapseRequestLine {
  requester: string;
  /** Synapse's wall time for the request, from receipt to the response's end (seconds). */
  processingSeconds: number;
  bytes: number;
  status: number;
  method: string;
  uri: string;
}

const LINE = /\{([^}]*)\} Processed request: (-?[\d.]+)sec\/(-?[\d.]+)sec .*? (\d+|\?)B (\d+)!? "(\w+) (\S+) [^"]*"/;

export function parseSynapseAccessLog(text: string): SynapseRequestLine[] {
  const out: SynapseRequestLine[] = [];
  for (const line of text.split("\n")) {
    if (!line.includes("Processed request")) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    out.push({
      requester: m[1] ?? "",
      processingSeconds: Number(m[2]),
      bytes: Number(m[4]) || 0,
      status: Number(m[5]),
      method: m[6] ?? "",
      uri: m[7] ?? "",
    });
  }
  return out;
}

/** Lines of the log written after `fromByte` (the log's size before a phase began). */
export function readLogFrom(file: string, fromByte: number): string {
  return readFileSync(file).subarray(fromByte).toString("utf8");
}
