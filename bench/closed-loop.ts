// Throughput as the benchmarks measure it: `clients` closed-loop workers, each issuing
// `op` again as soon as the last one answered, for `durationMs`.

/** Operations per second; worker w issues ops w, w + clients, w + 2·clients, ... */
export async function throughput(clients: number, durationMs: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let count = 0;
  const deadline = Date.now() + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, worker) => {
      for (let i = worker; Date.now() < deadline; i += clients) {
        await op(i);
        count++;
      }
    }),
  );
  return count / (durationMs / 1000);
}
