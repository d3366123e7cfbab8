// Placeholder until the RESP server lands (issue 7).
export {};
