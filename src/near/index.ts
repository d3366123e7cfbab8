// Placeholder until the near-cache lands (issue 9).
export {};
