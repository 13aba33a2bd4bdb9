"""mydata feature: "my data, my choice": download everything that is mine, delete my account."""
