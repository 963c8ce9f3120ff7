package warehouse

import (
	"errors"
	"slices"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// kinds are the names DuckDB gives its error types, as it writes them
// before a message less " Error" ("Binder Error: ..."): what elt shows as
// a QueryError's Kind. An error is classified by its type
// (duckdb.Error.Type), never by matching its text; the name only prints it
// as DuckDB does. duckdb-go's ErrorTypeDecimal is the DECIMAL type's
// number (19, ErrorTypeIndex's), so the binding's is used.
var kinds = map[duckdb.ErrorType]string{
	duckdb.ErrorTypeInvalid: "Invalid", duckdb.ErrorTypeOutOfRange: "Out of Range", duckdb.ErrorTypeConversion: "Conversion",
	duckdb.ErrorTypeUnknownType: "Unknown Type", duckdb.ErrorType(mapping.ErrorTypeDecimal): "Decimal", duckdb.ErrorTypeMismatchType: "Mismatch Type",
	duckdb.ErrorTypeDivideByZero: "Divide by Zero", duckdb.ErrorTypeObjectSize: "Object Size", duckdb.ErrorTypeInvalidType: "Invalid type",
	duckdb.ErrorTypeSerialization: "Serialization", duckdb.ErrorTypeTransaction: "TransactionContext", duckdb.ErrorTypeNotImplemented: "Not implemented",
	duckdb.ErrorTypeExpression: "Expression", duckdb.ErrorTypeCatalog: "Catalog", duckdb.ErrorTypeParser: "Parser",
	duckdb.ErrorTypePlanner: "Planner", duckdb.ErrorTypeScheduler: "Scheduler", duckdb.ErrorTypeExecutor: "Executor",
	duckdb.ErrorTypeConstraint: "Constraint", duckdb.ErrorTypeIndex: "Index", duckdb.ErrorTypeStat: "Stat",
	duckdb.ErrorTypeConnection: "Connection", duckdb.ErrorTypeSyntax: "Syntax", duckdb.ErrorTypeSettings: "Settings",
	duckdb.ErrorTypeBinder: "Binder", duckdb.ErrorTypeNetwork: "Network", duckdb.ErrorTypeOptimizer: "Optimizer",
	duckdb.ErrorTypeNullPointer: "NullPointer", duckdb.ErrorTypeIO: "IO", duckdb.ErrorTypeInterrupt: "INTERRUPT",
	duckdb.ErrorTypeFatal: "FATAL", duckdb.ErrorTypeInternal: "INTERNAL", duckdb.ErrorTypeInvalidInput: "Invalid Input",
	duckdb.ErrorTypeOutOfMemory: "Out of Memory", duckdb.ErrorTypePermission: "Permission", duckdb.ErrorTypeParameterNotResolved: "Parameter Not Resolved",
	duckdb.ErrorTypeParameterNotAllowed: "Parameter Not Allowed", duckdb.ErrorTypeDependency: "Dependency", duckdb.ErrorTypeHTTP: "HTTP",
	duckdb.ErrorTypeMissingExtension: "Missing Extension", duckdb.ErrorTypeAutoLoad: "Extension Autoloading", duckdb.ErrorTypeSequence: "Sequence",
	duckdb.ErrorTypeInvalidConfiguration: "Invalid Configuration",
}

// parserKind is the kind of an error of DuckDB's parser alone (statement
// extraction, json_serialize_sql), which reports no type: the parser is
// all that ran.
const parserKind = "Parser Error"

// duckdbError is the DuckDB error err is or wraps, if any.
func duckdbError(err error) (*duckdb.Error, bool) {
	return errors.AsType[*duckdb.Error](err)
}

// isType tells whether err is or wraps a DuckDB error of one of types.
func isType(err error, types ...duckdb.ErrorType) bool {
	de, ok := duckdbError(err)
	return ok && slices.Contains(types, de.Type)
}

// queryError is a DuckDB error's kind and message: the kind named by its
// type, the message without the "<kind>: " DuckDB writes before it. An
// error that wraps DuckDB's in more words keeps them all. DuckDB
// writes no kind before a message of an error raised without one (a plain
// exception, of type Invalid, or a Go function's error): that error, like
// one that is not DuckDB's, is of kind "Error" with its text as message.
func queryError(err error) *QueryError {
	de, ok := duckdbError(err)
	if !ok || de.Msg != err.Error() {
		// Not DuckDB's, or wrapped in words of elt's or duckdb-go's.
		return &QueryError{Kind: "Error", Msg: err.Error()}
	}
	if name, known := kinds[de.Type]; known {
		kind := name + " Error"
		if msg, ok := strings.CutPrefix(de.Msg, kind+": "); ok {
			return &QueryError{Kind: kind, Msg: msg}
		}
	}
	return &QueryError{Kind: "Error", Msg: de.Msg}
}

// IsOutOfMemory tells whether err is or wraps DuckDB running out of the
// memory it is given (an Out of Memory error).
func IsOutOfMemory(err error) bool { return isType(err, duckdb.ErrorTypeOutOfMemory) }

// IsPermission tells whether err is DuckDB refusing what its configuration
// does not permit (a Permission error), such as reading a file in a
// database opened with Options.NoFiles.
func IsPermission(err error) bool { return isType(err, duckdb.ErrorTypePermission) }
