/** Durations and sizes as a reader reads them, the same in figures, captions and verdicts. */

/** 0.000004 → "< 0.01 µs", 0.00006 → "0.06 µs", 0.25 → "250 µs", 2.5 → "2.5 ms", 420 → "420 ms", 300000 → "300 s". */
export function formatDuration(ms: number): string {
  if (ms < 0.00001) return "< 0.01 µs";
  if (ms < 1) return `${Number((ms * 1000).toPrecision(2))} µs`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  return ms < 10_000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(0)} s`;
}

const KB = 1024;

/** Bytes as a reader reads them: 50 → "50 B", 819 → "0.8 KB", 12_345 → "12 KB", 9.5 MiB → "9.5 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 100) return `${Math.round(bytes)} B`;
  const [value, unit] = bytes < KB * KB ? [bytes / KB, "KB"] : bytes < KB ** 3 ? [bytes / KB ** 2, "MB"] : [bytes / KB ** 3, "GB"];
  return `${value < 10 ? Number(value.toFixed(1)) : Math.round(value)} ${unit}`;
}
