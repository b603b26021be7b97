/**
 * The spinner with a countdown shown while the device code flow polls: one line on stderr, redrawn in place, only
 * when stderr is a terminal (a pipe or a log file gets nothing from it). Stopping clears the line and shows the
 * cursor again, so the terminal is left as it was.
 */
import { styleText } from 'node:util';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TICK_MS = 100;
const CLEAR_LINE = '\r\x1b[2K';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/** The stream a countdown draws on: stderr, or a test's stand-in. */
export interface TerminalStream {
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
  write(text: string): boolean;
}

/** `m:ss` (or `h:mm:ss`) of a number of seconds, never negative. */
export function formatRemaining(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** Whether to style output: a terminal, and neither NO_COLOR nor TERM=dumb (https://no-color.org). */
export function useColor(stream: TerminalStream, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return stream.isTTY === true && (env['NO_COLOR'] ?? '') === '' && env['TERM'] !== 'dumb';
}

/** A running spinner; {@link stop} is idempotent. */
export interface Countdown {
  stop(): void;
}

/**
 * Starts a spinner reading `<frame> <label> <m:ss> left` until `deadlineMs`, or does nothing (and returns a no-op
 * handle) when `stream` is not a terminal.
 *
 * @param stream - where to draw (stderr).
 * @param label - the text before the time left.
 * @param deadlineMs - when the countdown reaches 0, in ms since the epoch.
 * @param now - the clock, in ms since the epoch.
 */
export function startCountdown(stream: TerminalStream, label: string, deadlineMs: number, now: () => number = Date.now): Countdown {
  if (stream.isTTY !== true) return { stop: () => undefined };
  const color = useColor(stream);
  let frame = 0;
  let stopped = false;
  const draw = (): void => {
    const glyph = FRAMES[frame++ % FRAMES.length] ?? '';
    const left = `${formatRemaining((deadlineMs - now()) / 1000)} left`;
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    // Never wider than the terminal: a wrapped line could not be cleared with one carriage return.
    const text = `${glyph} ${label} ${left}`.slice(0, width);
    stream.write(CLEAR_LINE + (color ? styleText('cyan', text.slice(0, glyph.length)) + text.slice(glyph.length) : text));
  };
  stream.write(HIDE_CURSOR);
  draw();
  const timer = setInterval(draw, TICK_MS);
  // The poll keeps the process alive while it runs; the spinner alone must not.
  timer.unref();
  const restore = (): void => {
    stream.write(CLEAR_LINE + SHOW_CURSOR);
  };
  // A process that exits while spinning (an uncaught error, process.exit) still gets its cursor back.
  process.once('exit', restore);
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      process.off('exit', restore);
      restore();
    },
  };
}
