# frozen_string_literal: true

# The X-Accel switch for DownloadsController. Written by: xaccel generate --backend rails --front caddy --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
#
# XACCEL_ENABLED=0 (development, no caddy in front): Rack::Sendfile is
# removed and Rails streams the file itself. Anything else: Rack::Sendfile
# answers send_file with X-Accel-Redirect and an empty body.
#
# Rack turns the file's path into the URI with the X-Accel-Mapping header
# that caddy sends (/srv/example/private-files/=/_private/); a client cannot
# choose it, because the proxy sets it on every request. Rack percent-encodes
# the path, ? included, since 2.0.8; use Rack 2.2.20, 3.1.18 or 3.2.3 or
# later, which also ignore a client's X-Sendfile-Type (CVE-2025-61780).
Rails.application.configure do
  config.x.xaccel.enabled = ENV.fetch("XACCEL_ENABLED", "1") != "0"
  config.x.xaccel.root = ENV.fetch("PRIVATE_ROOT", "/srv/example/private-files")

  if config.x.xaccel.enabled
    config.action_dispatch.x_sendfile_header = "X-Accel-Redirect"
  else
    # Without a header name Rack::Sendfile would still act on one the
    # proxy sends (older Rack reads X-Sendfile-Type), so take it out.
    config.action_dispatch.x_sendfile_header = nil
    config.middleware.delete Rack::Sendfile
  end
end
