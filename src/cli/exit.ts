// Exit codes of the command-line contract (DESIGN.md): stable, scripts depend on them.
export const EXIT = { converged: 0, nicFailed: 1, usage: 2, metadata: 3 } as const;
