/** `1 host`, `2 hosts`: a count with its noun, never "1 hosts". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
