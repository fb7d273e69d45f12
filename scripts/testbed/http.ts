import http from "node:http";
import https from "node:https";

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  body?: unknown;
  /** Extra CA (PEM) for https URLs: the test bed's self-signed certificate. */
  ca?: string | Buffer;
  timeoutMs?: number;
}

/**
 * One request over node:http(s). Not fetch: the test bed needs a per-request CA for its
 * self-signed TLS listeners, and every request must be bounded in time.
 */
export function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const url = new URL(req.url);
  const isHttps = url.protocol === "https:";
  const headers: Record<string, string> = { ...req.headers };
  let payload: Buffer | undefined;
  if (req.body !== undefined) {
    payload = Buffer.isBuffer(req.body) ? req.body : Buffer.from(typeof req.body === "string" ? req.body : JSON.stringify(req.body));
    headers["content-type"] ??= "application/json";
    headers["content-length"] = String(payload.length);
  }
  const timeoutMs = req.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      method: req.method ?? (payload ? "POST" : "GET"),
      headers,
      // A fresh connection each time: servers are stopped and restarted under the same port, and a
      // pooled socket to the old process would fail the next request.
      agent: false,
      ...(isHttps && req.ca ? { ca: req.ca } : {}),
    };
    const request = (isHttps ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", reject);
    });
    request.setTimeout(timeoutMs, () => {
      request.destroy(new Error(`${options.method} ${req.url} timed out after ${timeoutMs} ms`));
    });
    request.on("error", reject);
    request.end(payload);
  });
}

export class MatrixApiError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly errcode: string | undefined,
    readonly body: string,
  ) {
    super(`${method} ${url} -> ${status} ${body.slice(0, 500)}`);
  }
}

/** A JSON API call; non-2xx answers throw MatrixApiError with the errcode. */
export async function jsonRequest<T = unknown>(req: HttpRequest): Promise<T> {
  const res = await httpRequest(req);
  const method = req.method ?? (req.body !== undefined ? "POST" : "GET");
  if (res.status < 200 || res.status >= 300) {
    let errcode: string | undefined;
    try {
      errcode = (JSON.parse(res.text) as { errcode?: string }).errcode;
    } catch {
      // Not JSON (a proxy error page): the body is in the message anyway.
    }
    throw new MatrixApiError(method, req.url, res.status, errcode, res.text);
  }
  return (res.text ? JSON.parse(res.text) : {}) as T;
}
