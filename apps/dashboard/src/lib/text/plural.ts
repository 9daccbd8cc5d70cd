// "1 trial", "2 trials": a count with its noun, in English.
import { count } from "@/lib/text/count";

export const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;
