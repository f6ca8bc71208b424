# frozen_string_literal: true

Rails.application.routes.draw do
  draw :downloads
end
