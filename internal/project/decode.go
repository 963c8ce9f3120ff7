package project

// DecodeYAML decodes a YAML file of the project (text, read from path)
// into out as elt.yaml is decoded: every unknown key and every value of
// the wrong type is reported at path:line:col with its line and a caret,
// all of them at once (an Errors of *FileError).
func DecodeYAML(path, text string, out any) error {
	return decodeStrict(path, text, text, 0, 0, out)
}
