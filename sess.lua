wrk.method = "POST"
wrk.body = "account_holder[type]=customer&account_holder[customer]=cus_pyngCQDAlFWxnO&permissions[0]=balances&permissions[1]=transactions"
wrk.headers["Authorization"] = "Bearer sk_test_bench"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
