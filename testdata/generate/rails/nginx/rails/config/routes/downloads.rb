# frozen_string_literal: true

# The download route. Written by: xaccel generate --backend rails --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
#
# Load it from config/routes.rb with:
#
#   Rails.application.routes.draw do
#     draw :downloads
#   end
#
# GET routes answer HEAD too. format: false keeps the extension in the name
# instead of treating it as a response format.
get "/files/*path", to: "downloads#show", as: :download, format: false
