# frozen_string_literal: true

# Serves /files/<name> from the private directory after a permission
# check. Written by: xaccel generate --backend rails --front apache --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
#
# send_file hands the file to Rack::Sendfile, which replaces the body with
# X-Sendfile: <absolute path> (config/initializers/xaccel.rb); Apache's
# mod_xsendfile then sends the file. With XACCEL_ENABLED=0 Rack streams it
# itself, through this same action, with the same headers.
class DownloadsController < ApplicationController
  include DownloadPermission

  def show
    rel = safe_rel_path(params[:path])
    # A denial looks like a missing file, so the answer does not tell
    # which files exist.
    return head(:not_found) unless rel && can_download?(rel)

    file = private_file(rel)
    return head(:not_found) unless file

    # Not for shared caches: the answer depends on who asked. A literal
    # header keeps Rails from turning it into its own default.
    response.headers["Cache-Control"] = "private, no-store"
    # apache sets these two as well; they matter when Rack streams the file.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"

    # disposition/filename go through ActionDispatch::Http::ContentDisposition:
    # an ASCII filename="..." (transliterated, quotes escaped) plus
    # filename*=UTF-8''<percent-encoded>, so any stored name is safe.
    send_file file,
              type: content_type_for(rel),
              disposition: "attachment",
              filename: File.basename(rel)
  end

  private

  # The name from the URL (already percent-decoded) as a clean relative
  # path, or nil: empty names, NUL, backslashes, absolute paths and "." or
  # ".." segments are refused, never "fixed".
  def safe_rel_path(name)
    name = name.to_s
    return nil if name.empty? || name.include?("\0") || name.include?("\\") || name.start_with?("/")
    return nil unless name.valid_encoding?

    segments = name.split("/", -1)
    return nil if segments.any? { |s| s.empty? || s == "." || s == ".." }

    segments.join("/")
  end

  # The file's real path when it is a regular file inside the private
  # directory (symlinks are resolved, so one that leads out is refused).
  def private_file(rel)
    root = File.realpath(Rails.configuration.x.xaccel.root)
    path = File.realpath(File.join(root, rel))
    return nil unless path.start_with?(root + File::SEPARATOR) && File.file?(path)

    path
  rescue SystemCallError, ArgumentError
    nil
  end

  # The real type from the extension: the front server passes the app's
  # Content-Type through, so never leave Rails' text/html default.
  def content_type_for(rel)
    Rack::Mime.mime_type(File.extname(rel), "application/octet-stream")
  end
end
