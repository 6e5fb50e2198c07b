export { scanGoFile, isValidImportPath, MULTIPLE_GO_BUILD_ERROR, NUL_ERROR } from './scan';
export type { GoFileHeader, GoImport } from './scan';
export {
  parseBuildExpr,
  parsePlusBuildLines,
  evalBuildExpr,
  formatBuildExpr,
  platformTags,
  matchesFileName,
  fileIncluded,
  constraintAllows,
  isValidTag,
  BuildExprSyntaxError,
  KNOWN_OS,
  KNOWN_ARCH,
  UNIX_OS,
} from './constraints';
export type { BuildExpr, BuildTarget } from './constraints';
