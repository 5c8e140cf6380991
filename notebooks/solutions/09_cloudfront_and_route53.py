"""Solutions for 09 · CloudFront and Route 53. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/09_cloudfront_and_route53.py
or copy one section into a cell. They use the notebook's names (`aws`, `cdn`, `distribution`...).
"""

# 1. Predict, then run: every layer passes PUT on, and the function's router answers 405.
prediction = 405

# 2. Recall: S3 will not say whether a key exists to a reader without ListBucket: 403.
answer = cdn.request(aws, domain, "GET", "/missing.html").status

# 3. Build: a cached behaviour for /api/health, placed before /api/* (the first match wins).
current = cloudfront.get_distribution_config(Id=distribution["Id"])
config = current["DistributionConfig"]
others = [b for b in config["CacheBehaviors"].get("Items") or [] if b["PathPattern"] != "/api/health"]
health = {
    "PathPattern": "/api/health", "TargetOriginId": "api",
    "ViewerProtocolPolicy": "redirect-to-https",
    "AllowedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"],
                       "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}},
    "CachePolicyId": cdn.CACHING_OPTIMIZED,
    "OriginRequestPolicyId": cdn.ALL_VIEWER_EXCEPT_HOST_HEADER,  # never the viewer's Host
    "Compress": True,
}
config["CacheBehaviors"] = {"Quantity": len(others) + 1, "Items": [health, *others]}
cloudfront.update_distribution(Id=distribution["Id"], IfMatch=current["ETag"],
                               DistributionConfig=config)
cdn.wait_deployed(aws, distribution["Id"])  # minutes on AWS
