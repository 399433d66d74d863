module github.com/fcmock/fcmock/tests/conformance/go

go 1.26.8

require github.com/stripe/stripe-go/v85 v85.0.0
