# frozen_string_literal: true

# Only what the generated downloads controller needs: Action Controller and
# its middleware (Rack::Sendfile included), no database, no assets, no views.
require "rails"
require "action_controller/railtie"

module XaccelE2E
  class Application < Rails::Application
    config.load_defaults 6.1
    config.root = File.expand_path("..", __dir__)
    config.eager_load = true
    config.cache_classes = true
    config.consider_all_requests_local = false
    config.public_file_server.enabled = false
    config.secret_key_base = ENV.fetch("SECRET_KEY_BASE")
    config.logger = ActiveSupport::Logger.new($stdout)
    config.log_level = :info
  end
end
