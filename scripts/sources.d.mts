/** Types of scripts/sources.mjs (plain JavaScript, since it runs before any build). */
export declare const STAMP: string;
export declare function sourceFiles(root: string): string[];
export declare function sourcesDigest(root: string): string;
export declare function stampFor(root: string): string;
export declare function builtFromThese(root: string): boolean;
