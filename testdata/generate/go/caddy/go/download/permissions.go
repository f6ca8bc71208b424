package download

import "net/http"

// CanDownload decides whether the request may have the file at rel (a
// clean path relative to the private directory, such as
// "invoices/2024/a.pdf"). Replace it with your own rule: look the file up
// in your database and check that the signed-in user may see that row.
//
// It denies everything until you do. A denial is answered with 404, like a
// missing file, so that the answer does not tell which files exist.
func CanDownload(r *http.Request, rel string) bool {
	return false
}
