/**
 * @module
 * Draws one status line in place on a terminal (carriage return, clear line,
 * cut to the terminal's width), redrawn on each event and on a timer so the
 * elapsed time moves even while the run is quiet.
 */
import type { CliStream } from '../io.js';

const CLEAR_LINE = '\r\u001b[2K';

export class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;

  constructor(
    private readonly stream: CliStream,
    private readonly render: (frame: number) => string,
    intervalMs = 100,
  ) {
    this.draw();
    this.timer = setInterval(() => this.draw(), intervalMs);
    this.timer.unref();
  }

  draw(): void {
    const line = this.render(this.frame++);
    const width = this.stream.columns || 80; // 0 on a terminal that never said its size
    this.stream.write(`${CLEAR_LINE}${line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line}`);
  }

  /** Stops redrawing and leaves `line` (if any) in place of the status line. */
  stop(line?: string): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stream.write(line === undefined ? CLEAR_LINE : `${CLEAR_LINE}${line}\n`);
  }
}
