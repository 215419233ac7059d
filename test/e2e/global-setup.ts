// Placeholder replaced by the lab harness (issue 3): checks Docker and sweeps leftovers.
export default async function setup(): Promise<void> {}
