package project

import "github.com/digitalservices/elt/internal/project/sqlfile"

// The project's SQL files beside its models are sqlfile's; these names
// keep them where a loaded project holds them.
type (
	// Macro is one file of macros/.
	Macro = sqlfile.Macro
	// Statement is one SQL statement of a file and the line it starts on.
	Statement = sqlfile.Statement
	// SQLFile is one SQL file of the project.
	SQLFile = sqlfile.SQLFile
)

// MacroDir and DataTestDir are the folders of macros and data tests.
const (
	MacroDir    = sqlfile.MacroDir
	DataTestDir = sqlfile.DataTestDir
)

// WalkFiles, LoadMacros and LoadDataTests are sqlfile's.
var (
	WalkFiles     = sqlfile.WalkFiles
	LoadMacros    = sqlfile.LoadMacros
	LoadDataTests = sqlfile.LoadDataTests
)
