import { networkInterfaces } from 'node:os';

/** This machine's IPv4 addresses on its local networks: where phones in the classroom can reach it. */
export function lanAddresses(): string[] {
  const out: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) if (entry.family === 'IPv4' && !entry.internal) out.push(entry.address);
  }
  return out;
}
