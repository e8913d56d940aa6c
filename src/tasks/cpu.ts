/**
 * The article's CPU-bound task: count from 0 up to `n` and return `n`.
 * Pure JavaScript work on one thread, no allocation, no I/O.
 */
export function countTo(n: number): number {
  let i = 0;
  while (i < n) i++;
  return i;
}
