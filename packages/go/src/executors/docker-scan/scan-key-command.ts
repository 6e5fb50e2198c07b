/**
 * The command of the inferred docker-scan target's runtime input (run from the workspace root, where
 * @org/go is installed): see scan-key.ts. Kept apart so that inferring targets loads no scanner code.
 */
export const SCAN_KEY_COMMAND = `node -e "try{require('@org/go/src/executors/docker-scan/scan-key.js').printScanCacheKey()}catch(e){console.log('@org/go scan key unavailable: '+e.message)}"`;
