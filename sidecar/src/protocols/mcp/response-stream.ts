/**
 * @module
 * The answer to one MCP request: a single JSON body unless something must
 * be said before the result (a progress notification), in which case the
 * response becomes an SSE stream scoped to that request. Deciding late
 * keeps the HTTP status meaningful for the common case (a 429 or 503 is
 * still a 429 or 503 to a load balancer) and streams only when asked to.
 */
export class ResponseStream {
  private resolveResponse!: (response: Response) => void;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private closed = false;
  private readonly encoder = new TextEncoder();
  /** Settles with the HTTP response as soon as its shape is known. */
  readonly response: Promise<Response>;

  constructor(private readonly headers: Record<string, string>) {
    this.response = new Promise((resolve) => (this.resolveResponse = resolve));
  }

  get streaming(): boolean {
    return this.controller !== undefined;
  }

  /** Sends a message before the result, opening the SSE stream on the first one. */
  send(message: unknown): void {
    if (this.closed) return;
    if (!this.controller) {
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => {
          this.controller = controller;
        },
        cancel: () => {
          this.closed = true;
        },
      });
      this.resolveResponse(new Response(body, { headers: { ...this.headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' } }));
    }
    this.controller!.enqueue(this.encoder.encode(`event: message\ndata: ${JSON.stringify(message)}\n\n`));
  }

  /** Ends with the final JSON-RPC message: on the stream if one is open, else as the JSON body with `status`. */
  finish(body: string, status = 200, headers: Record<string, string> = {}): void {
    if (this.controller) {
      if (!this.closed) {
        this.controller.enqueue(this.encoder.encode(`event: message\ndata: ${body}\n\n`));
        this.controller.close();
      }
      this.closed = true;
      return;
    }
    this.closed = true;
    this.resolveResponse(new Response(body, { status, headers: { ...this.headers, 'content-type': 'application/json', ...headers } }));
  }

  /** Ends without a result (the client cancelled the request and expects none). */
  abandon(): void {
    if (this.controller) {
      if (!this.closed) this.controller.close();
    } else {
      // 202 with no body: what clients take quietly for a message that gets no answer.
      this.resolveResponse(new Response(null, { status: 202, headers: this.headers }));
    }
    this.closed = true;
  }
}
