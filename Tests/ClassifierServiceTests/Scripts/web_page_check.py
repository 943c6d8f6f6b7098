"""Drives the server's web page in headless Chromium (Selenium + chromedriver).

usage: web_page_check.py BASE_URL IMAGE UNSUPPORTED_IMAGE SCREENSHOT
Loads BASE_URL/, uploads IMAGE through the page's file input, reads the
predictions from the DOM, saves a screenshot, then uploads UNSUPPORTED_IMAGE
and reads the error message. Prints one JSON object on stdout.
"""
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

base, image, unsupported, screenshot = sys.argv[1:5]

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1000,800"):
    options.add_argument(argument)
# An explicit driver path: Selenium Manager would try to download one.
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
result = {}
try:
    driver.get(base + "/")
    wait = WebDriverWait(driver, 30)
    wait.until(lambda d: "version" in d.find_element(By.ID, "model").text)
    result["model_text"] = driver.find_element(By.ID, "model").text

    driver.find_element(By.ID, "file").send_keys(image)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#predictions li.prediction")) > 0)
    items = driver.find_elements(By.CSS_SELECTOR, "#predictions li.prediction")
    result["predictions"] = [
        {"label": item.get_attribute("data-label"), "score": float(item.get_attribute("data-score")),
         "text": item.text}
        for item in items
    ]
    result["preview_shown"] = driver.find_element(By.ID, "preview").is_displayed()
    result["status"] = driver.find_element(By.ID, "status").text
    driver.save_screenshot(screenshot)

    driver.find_element(By.ID, "file").send_keys(unsupported)
    wait.until(lambda d: d.find_element(By.ID, "error").is_displayed())
    result["error"] = driver.find_element(By.ID, "error").text
    result["predictions_after_error"] = len(driver.find_elements(By.CSS_SELECTOR, "#predictions li.prediction"))
    # Every request the page made went to this server.
    result["external"] = [
        entry["name"] for entry in driver.execute_script("return performance.getEntriesByType('resource')")
        if not entry["name"].startswith(base)
    ]
finally:
    driver.quit()
print(json.dumps(result))
