/**
 * @module
 * Turns a child process's output chunks into whole lines, each with the
 * sidecar's name in front (`echo  | …`), so the logs of several sidecars
 * interleave line by line and never mid-line. Pure.
 */
export class LinePrefixer {
  private partial = '';

  constructor(private readonly prefix: string) {}

  /** Prefixed complete lines in `chunk` (plus what was left from earlier chunks). */
  push(chunk: string): string {
    const text = this.partial + chunk;
    const end = text.lastIndexOf('\n');
    if (end === -1) {
      this.partial = text;
      return '';
    }
    this.partial = text.slice(end + 1);
    return this.prefixLines(text.slice(0, end + 1));
  }

  /** The last line, if the process ended without a newline. */
  flush(): string {
    const rest = this.partial;
    this.partial = '';
    return rest === '' ? '' : this.prefixLines(`${rest}\n`);
  }

  private prefixLines(lines: string): string {
    return lines.replace(/^(?=.)|^(?=\n)/gm, this.prefix);
  }
}
