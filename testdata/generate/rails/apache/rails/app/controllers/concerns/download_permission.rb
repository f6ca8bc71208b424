# frozen_string_literal: true

# Who may download what. Written by: xaccel generate --backend rails --front apache --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
module DownloadPermission
  extend ActiveSupport::Concern

  private

  # rel is a clean path relative to the private directory, such as
  # "invoices/2024/a.pdf". Replace this with your rule: look the file up in
  # your database and check that the signed-in user may see that row, e.g.
  #
  #   Document.where(owner: current_user).exists?(stored_name: rel)
  #
  # It denies everything until you do; a denial is answered with 404.
  def can_download?(rel)
    false
  end
end
