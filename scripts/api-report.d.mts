/** Types of scripts/api-report.mjs. */
export declare function apiReport(root: string): string;
